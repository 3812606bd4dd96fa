/**
 * The package version, sent in the User-Agent. Kept in sync with package.json by a test
 * (reading package.json at run time would break in bundles such as the action's ncc build).
 */
export const VERSION = '0.1.0';
