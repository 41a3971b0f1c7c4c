// argv builders for the three places a command can run: a sandbox netns (by name), the host
// netns (the current one, or a named one in tests), and a container's netns (by PID).

/** `ip -n <netns> …`: iproute2 enters the named netns itself, no extra process. */
export function ip(netns: string | undefined, ...args: string[]): string[] {
  return netns === undefined ? ['ip', ...args] : ['ip', '-n', netns, ...args];
}

export function bridge(netns: string | undefined, ...args: string[]): string[] {
  return netns === undefined ? ['bridge', ...args] : ['bridge', '-n', netns, ...args];
}

/** Runs a command in the network namespace of a container process. */
export function inContainer(pid: number, ...argv: string[]): string[] {
  return ['nsenter', `--net=/proc/${pid}/ns/net`, ...argv];
}
