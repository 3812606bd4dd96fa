export { type BatchItem, CODE_EXTENSIONS, collectBatch, PLOT_EXTENSIONS } from './batch.js';
export {
  githubRunFromContext,
  repoOfContext,
  type WorkflowContext,
} from './ci/github-context.js';
export {
  type GithubEnv,
  type GithubEventFields,
  type GithubRun,
  githubEventFields,
  githubRunFields,
  githubRunFromEnv,
} from './ci/github-event.js';
export { ciIdToken, ID_TOKEN_ENV, IdTokenError } from './ci/id-token.js';
export {
  CI_PROVIDERS,
  type CiContext,
  type CiIo,
  type CiProvider,
  detectCi,
  type Env,
  type SourceContext,
} from './ci/index.js';
export {
  changeAmount,
  commentMarker,
  comparisonMarkdown,
  comparisonText,
  hasUnapprovedChanges,
  headline,
  isBrowserLoadable,
  isOurComment,
  type MarkdownOptions,
  shouldFail,
  stateLabel,
} from './compare/format.js';
export { publishDirect } from './direct-publish.js';
export {
  assertUnchanged,
  DEFAULT_MAX_FILE_BYTES,
  type InspectedFile,
  inspectArtifacts,
  inspectFile,
  type OpenFile,
  openArtifact,
} from './files.js';
export { currentBranch, gitRunner, type RunGit, readGit } from './git.js';
export {
  type InputNames,
  type PlanEnv,
  PlanError,
  type PlanErrorCode,
  type PlannedSnapshot,
  type PublishInputs,
  type PublishPlan,
  planPublish,
  titleFromFile,
} from './plan.js';
export {
  type ProgressEvent,
  type PublishSnapshotOptions,
  publishSnapshot,
} from './publish-flow.js';
export { parseRemoteUrl, type RepoRef } from './remote-url.js';
export { str } from './values.js';
