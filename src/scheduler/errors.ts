/** Base of every error the scheduler's parsers raise; `code` is stable for callers and the API. */
export class SchedulerError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_constraint' | 'invalid_placement_pref',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SchedulerError';
  }
}

/** Thrown when a placement constraint cannot be parsed; names the expression and what is wrong. */
export class ConstraintParseError extends SchedulerError {
  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`invalid constraint '${expression}': ${reason}`, 'invalid_constraint');
    this.name = 'ConstraintParseError';
  }
}

/** Thrown when a placement preference cannot be parsed; names the preference and what is wrong. */
export class PlacementPrefParseError extends SchedulerError {
  constructor(
    readonly preference: string,
    readonly reason: string,
  ) {
    super(`invalid placement preference '${preference}': ${reason}`, 'invalid_placement_pref');
    this.name = 'PlacementPrefParseError';
  }
}
