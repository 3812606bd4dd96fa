/**
 * The review part of the wire contract: a comparison of a head commit's plots against their
 * baselines, its per-plot diff, and review decisions. Semantics (README "Plot review"):
 *
 * - Baseline of a head snapshot (collection, title): the newest ready snapshot with the same
 *   collection and title at the base commit (`merge_base`), else the newest ready one on the
 *   base branch created before the head (`base_branch`), else none (`none`).
 * - State per (collection, title): `unchanged` (same plot sha256, or pixels within the
 *   tolerance), `changed`, `new` (no baseline), `removed` (a baseline with no head, reported
 *   only once the head set is complete: `POST …/comparisons` says so).
 * - `changed` and `removed` items need a review; `new` ones are shown but do not hold the
 *   status. The comparison's `status` is what the commit status says: `success` when nothing
 *   needs review or all of it is approved, `failure` when a change was rejected, otherwise the
 *   project's `on_change` setting (`pending` unless set to `failure`).
 */
import { z } from 'zod';
import {
  CommitShaSchema,
  IdSchema,
  SnapshotDeletedEventSchema,
  SnapshotReadyEventSchema,
  SnapshotSchema,
} from './schemas.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const COMPARISON_STATES = ['changed', 'removed', 'new', 'unchanged'] as const;
export const ComparisonStateSchema = z.enum(COMPARISON_STATES).meta({ id: 'ComparisonState' });
export type ComparisonState = z.infer<typeof ComparisonStateSchema>;

export const BASELINE_RULES = ['merge_base', 'base_branch', 'none'] as const;
export const BaselineRuleSchema = z.enum(BASELINE_RULES).meta({
  id: 'BaselineRule',
  description:
    'Which rule chose the baseline: the snapshot at the merge base, the newest on the base branch before the head, or none.',
});
export type BaselineRule = z.infer<typeof BaselineRuleSchema>;

export const REVIEW_DECISIONS = ['approved', 'changes_requested'] as const;
export const ReviewDecisionSchema = z.enum(REVIEW_DECISIONS).meta({ id: 'ReviewDecision' });
export type ReviewDecision = z.infer<typeof ReviewDecisionSchema>;

export const COMPARISON_STATUSES = ['success', 'pending', 'failure'] as const;
export const ComparisonStatusSchema = z.enum(COMPARISON_STATUSES).meta({
  id: 'ComparisonStatus',
  description: 'The commit status the comparison gives its head commit.',
});
export type ComparisonStatus = z.infer<typeof ComparisonStatusSchema>;

/** Why two plots were not compared pixel by pixel (the item is then `changed`). */
export const NOT_COMPARED_REASONS = [
  'size_changed',
  'too_large',
  'timeout',
  'decode_failed',
  'not_raster',
] as const;

/** How a changed pair was told apart. Null on `new`, `removed` and hash-equal `unchanged`. */
export const PlotDiffSchema = z
  .object({
    /** `pixels`: decoded and compared (SVG rasterised first); `hash`: by sha256 only. */
    method: z.enum(['pixels', 'hash']),
    /** False when a pixel comparison was not possible; `reason` says why. */
    compared: z.boolean(),
    reason: z.enum(NOT_COMPARED_REASONS).nullable(),
    width: z.number().int().nonnegative().nullable(),
    height: z.number().int().nonnegative().nullable(),
    changed_pixels: z.number().int().nonnegative().nullable(),
    /** changed_pixels / (width × height), 0..1. */
    ratio: z.number().min(0).max(1).nullable(),
    /** The share of changed pixels allowed before a pair counts as changed (project/collection). */
    tolerance: z.number().min(0).max(1),
    /** The difference image (PNG, changed pixels highlighted); signed like plot_url. */
    diff_url: z.url().nullable(),
  })
  .meta({ id: 'PlotDiff' });
export type PlotDiff = z.infer<typeof PlotDiffSchema>;

export const ReviewSchema = z
  .object({
    decision: ReviewDecisionSchema,
    /** Who decided: the gallery user, the token name or the CI identity. */
    reviewer: z.string(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'Review' });
export type Review = z.infer<typeof ReviewSchema>;

export const ComparisonItemSchema = z
  .object({
    collection: z.string().nullable(),
    title: z.string(),
    state: ComparisonStateSchema,
    /** Null when `removed`. */
    head: SnapshotSchema.nullable(),
    /** Null when `new`. */
    base: SnapshotSchema.nullable(),
    baseline_rule: BaselineRuleSchema,
    diff: PlotDiffSchema.nullable(),
    /** Whether the code artifact differs (by sha256); null when either side has no code. */
    code_changed: z.boolean().nullable(),
    /** Whether this item holds the status until it is approved (`changed`, `removed`). */
    needs_review: z.boolean(),
    /** The latest decision on this very pair (head and baseline snapshot); null when none. */
    review: ReviewSchema.nullable(),
  })
  .meta({ id: 'ComparisonItem' });
export type ComparisonItem = z.infer<typeof ComparisonItemSchema>;

export const ComparisonSummarySchema = z
  .object({
    changed: z.number().int().nonnegative(),
    new: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    /** Of the items that need review: approved, rejected, and not yet decided. */
    approved: z.number().int().nonnegative(),
    changes_requested: z.number().int().nonnegative(),
    unreviewed: z.number().int().nonnegative(),
  })
  .meta({ id: 'ComparisonSummary' });
export type ComparisonSummary = z.infer<typeof ComparisonSummarySchema>;

export const ComparisonSchema = z
  .object({
    project_id: IdSchema,
    head_sha: z.string(),
    /** The merge base the client sent; null when none was given. */
    base_sha: z.string().nullable(),
    base_branch: z.string(),
    pr_number: z.number().int().nullable(),
    /** Whether the head's publishing was declared done (only then are `removed` items listed). */
    complete: z.boolean(),
    status: ComparisonStatusSchema,
    /** One sentence for a commit status description, e.g. "2 changed, 1 new, 8 unchanged". */
    description: z.string(),
    summary: ComparisonSummarySchema,
    /** changed, removed, new, unchanged; then by collection and title. */
    items: z.array(ComparisonItemSchema),
    /** The gallery's review page for this comparison, when the server has a gallery. */
    review_url: z.url().nullable(),
  })
  .meta({ id: 'Comparison' });
export type Comparison = z.infer<typeof ComparisonSchema>;

const comparisonTarget = {
  /** The head commit (full or abbreviated); its ready snapshots are the head set. */
  head: CommitShaSchema,
  /** The merge base of the pull request (`git merge-base`); optional. */
  base: CommitShaSchema.optional(),
  /** The branch baselines fall back to; default the project's default branch. */
  base_branch: text(255).optional(),
};

/** Query of `GET /api/projects/{id}/comparisons`: read a comparison, no side effect. */
export const ComparisonQuerySchema = z
  .strictObject({ ...comparisonTarget, collection: text(100).optional() })
  .meta({ id: 'ComparisonQuery' });
export type ComparisonQuery = z.input<typeof ComparisonQuerySchema>;

/**
 * `POST /api/projects/{id}/comparisons`: the head's publishing is done. Records that (so
 * `removed` is reported), computes the comparison, emits `comparison.ready`, and answers it.
 */
export const CompareRequestSchema = z
  .strictObject({
    ...comparisonTarget,
    pr_number: z.number().int().positive().nullish(),
  })
  .meta({ id: 'CompareRequest' });
export type CompareRequest = z.input<typeof CompareRequestSchema>;

/** One plot of a comparison, by its natural key. */
export const ComparisonItemKeySchema = z
  .strictObject({ collection: z.string().max(100).nullable(), title: z.string().min(1).max(200) })
  .meta({ id: 'ComparisonItemKey' });

/** `POST /api/projects/{id}/reviews`: decide on some or all items needing review. */
export const ReviewRequestSchema = z
  .strictObject({
    ...comparisonTarget,
    decision: ReviewDecisionSchema,
    /** The items decided on; omitted = every item that needs review. */
    items: z.array(ComparisonItemKeySchema).min(1).max(1000).optional(),
  })
  .meta({ id: 'ReviewRequest' });
export type ReviewRequest = z.input<typeof ReviewRequestSchema>;

/** `comparison.ready`: a head's publishing was declared done; the comparison without items. */
export const ComparisonReadyEventSchema = z
  .object({
    type: z.literal('comparison.ready'),
    timestamp: z.iso.datetime(),
    data: ComparisonSchema.omit({ items: true }),
  })
  .meta({ id: 'ComparisonReadyEvent' });
export type ComparisonReadyEvent = z.infer<typeof ComparisonReadyEventSchema>;

/** The query of a difference image URL: the baseline snapshot and, unsigned, a bearer token. */
export const DiffImageQuerySchema = z.strictObject({
  expires: z
    .string()
    .optional()
    .meta({ description: 'Unix seconds; with `sig`, the signed URL (no bearer).' }),
  sig: z.string().optional().meta({ description: 'The signature over both snapshots and expiry.' }),
});

/** Every event of a project's log (SSE and webhooks): the snapshot events and `comparison.ready`. */
export const ProjectEventSchema = z
  .discriminatedUnion('type', [
    SnapshotReadyEventSchema,
    SnapshotDeletedEventSchema,
    ComparisonReadyEventSchema,
  ])
  .meta({ id: 'ProjectEvent' });
export type ProjectEvent = z.infer<typeof ProjectEventSchema>;

/** The event types a webhook may subscribe to. */
export const EVENT_TYPES = ['snapshot.ready', 'snapshot.deleted', 'comparison.ready'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
