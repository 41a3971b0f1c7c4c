// The scheduler's public surface. Everything here is pure: no store, timers or I/O.
export { schedule, Scheduler } from './scheduler.js';
export type { Assignment, ScheduleInput, ScheduleResult, SchedulerOptions, Unplaced } from './scheduler.js';
export { parseConstraint, parseConstraints, nodeMatches } from './constraint.js';
export type { Constraint, ConstraintField, ConstraintOperator } from './constraint.js';
export { parsePlacementPref, parsePlacementPrefs } from './placement-pref.js';
export type { PlacementPrefInput, SpreadPreference } from './placement-pref.js';
export { ConstraintParseError, PlacementPrefParseError, SchedulerError } from './errors.js';
export { NodeInfo, buildNodeInfos, hostPortsOf, isActiveTask } from './node-info.js';
export type { TaskLoad } from './node-info.js';
export { Pipeline, defaultFilters, noSuitableNode } from './pipeline.js';
export type { Filter } from './filters/filter.js';
