// Object IDs in the shape swarmkit uses: 25 characters of lowercase letters and digits.
import { customAlphabet } from 'nanoid';

/** Length of every object ID (nodes, services, tasks, cluster), as in Docker Swarm. */
export const ID_LENGTH = 25;

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
const generate = customAlphabet(alphabet, ID_LENGTH);

/** A fresh random object ID: 25 lowercase alphanumerics (~129 bits). */
export function newId(): string {
  return generate();
}
