/** Errors the core raises for bad requests; the HTTP layer maps them to status codes. */

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** A request the core refuses, naming the offending field. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A conditional change whose condition no longer holds (e.g. the ticket was assigned meanwhile). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** The caller may not do this (e.g. edit another agent's reply). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
