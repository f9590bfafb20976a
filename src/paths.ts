import path from 'node:path';

/** The project's root: compiled code lives in dist/src, templates and fixtures beside it. */
export const projectRoot = path.resolve(__dirname, '..', '..');
export const templatesDir = path.join(projectRoot, 'templates');
/** Compiled bree jobs. */
export const jobsDir = path.join(projectRoot, 'dist', 'jobs');
