// Object IDs in Docker's shape: 25 lowercase alphanumerics.
import { customAlphabet } from 'nanoid';

export const newId: () => string = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 25);
