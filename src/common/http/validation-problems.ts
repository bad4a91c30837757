/** One validation problem as answered to a client: where, and what is wrong there. */
export interface Problem {
  path: string;
  message: string;
}

/** The most problems one error lists; the rest are counted (error bodies stay small). */
export const MAX_LISTED_PROBLEMS = 10;

/** Longest path or message of one listed problem (a zod message may quote a client's key). */
const MAX_PROBLEM_TEXT = 200;

/** A zod issue, structurally, so that callers need not import zod's types. */
export interface ValidationIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/**
 * The first `MAX_LISTED_PROBLEMS` of `issues` as problems under `where` (each path and message
 * cut to a bounded length), the number left out, and a one-line summary naming them.
 */
export function summarizeIssues(
  issues: readonly ValidationIssue[],
  where: string,
): { problems: Problem[]; omitted: number; summary: string } {
  const problems = issues.slice(0, MAX_LISTED_PROBLEMS).map((issue) => ({
    path: cut([where, ...issue.path.map(String)].join('.')),
    message: cut(issue.message),
  }));
  const omitted = issues.length - problems.length;
  const listed = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return {
    problems,
    omitted,
    summary: omitted > 0 ? `${listed}; and ${omitted} more` : listed,
  };
}

function cut(text: string): string {
  return text.length <= MAX_PROBLEM_TEXT ? text : `${text.slice(0, MAX_PROBLEM_TEXT - 1)}…`;
}
