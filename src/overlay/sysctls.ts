// The sysctls of a sandbox netns: what they must be, how they are read back, and what to
// rewrite. Pure (the read itself is a line in observe.ts's script).
//
// * net.ipv4.ip_forward=0: a new netns inherits forwarding from the initial one (on wherever
//   Docker runs); a sandbox holds the VXLAN device and the gateway, it must never route
//   between networks.
// A sandbox has no bridge (endpoints are macvlan children of vxlan0), so br_netfilter's
// per-netns switches do not apply to it.

/** Sysctl name → value a sandbox must have. */
export const SANDBOX_SYSCTLS: ReadonlyArray<{ name: string; value: string }> = [{ name: 'net.ipv4.ip_forward', value: '0' }];

/** /proc/sys paths of SANDBOX_SYSCTLS, in order (for the read script). */
export const SANDBOX_SYSCTL_PATHS: readonly string[] = SANDBOX_SYSCTLS.map((s) => `/proc/sys/${s.name.replaceAll('.', '/')}`);

/** `name=value` arguments for `sysctl -e -w` at sandbox creation. */
export function sysctlAssignments(): string[] {
  return SANDBOX_SYSCTLS.map((s) => `${s.name}=${s.value}`);
}

/**
 * Parses `grep -H . <paths>` output ("/proc/sys/net/ipv4/ip_forward:0" per line) into
 * sysctl name → value. Lines for other paths are ignored.
 */
export function parseSysctlDump(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0 || !line.startsWith('/proc/sys/')) continue;
    const name = line.slice('/proc/sys/'.length, i).replaceAll('/', '.');
    if (SANDBOX_SYSCTLS.some((s) => s.name === name)) out.set(name, line.slice(i + 1).trim());
  }
  return out;
}

/**
 * `name=value` assignments that would make `observed` right: the ones read with another value.
 * One that is absent is left alone (it does not exist in this kernel), so a read that found
 * nothing never turns into a change at every sync.
 */
export function sysctlFixes(observed: ReadonlyMap<string, string>): string[] {
  return SANDBOX_SYSCTLS.filter((s) => observed.has(s.name) && observed.get(s.name) !== s.value).map((s) => `${s.name}=${s.value}`);
}
