// Replicated jobs: run tasks until TotalCompletions of them have completed, never more
// than MaxConcurrent at once. Pure, like the other reconcilers.
import { isTerminal, type Service, type Task } from '../../store/objects.js';
import { emptyActions, isLive, newTask, type Actions, type ReconcileContext } from './replicated.js';

export function reconcileReplicatedJob(service: Service, tasks: Task[], ctx: ReconcileContext): Actions {
  const a = emptyActions();
  const job = service.Spec.Mode.ReplicatedJob ?? {};
  const maxConcurrent = Math.max(1, job.MaxConcurrent ?? 1);
  const total = job.TotalCompletions ?? maxConcurrent;
  const completed = tasks.filter((t) => t.Status.State === 'complete').length;
  const live = tasks.filter(isLive);
  const condition = service.Spec.TaskTemplate.RestartPolicy?.Condition ?? 'on-failure';
  // With restarts off, a failed run uses up its completion slot.
  const failedFinal = condition === 'none' ? tasks.filter((t) => isTerminal(t.Status.State) && t.Status.State !== 'complete').length : 0;
  const remaining = total - completed - failedFinal - live.length;
  const room = maxConcurrent - live.length;
  const usedSlots = new Set(tasks.map((t) => t.Slot ?? 0));
  let nextSlot = 0;
  for (let i = 0; i < Math.min(room, remaining); i++) {
    while (usedSlots.has(nextSlot)) nextSlot++;
    usedSlots.add(nextSlot);
    const draft = newTask(service, nextSlot, ctx);
    draft.DesiredState = 'complete';
    a.create.push(draft);
  }
  return a;
}
