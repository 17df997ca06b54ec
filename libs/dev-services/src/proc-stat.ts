/**
 * The fields of a Linux `/proc/<pid>/stat` line after the command name, so that `[0]` is the state
 * (field 3 of proc(5)), `[1]` the parent pid, `[11]` and `[12]` the user and system time in ticks.
 * The name (field 2) is in parentheses and may itself hold spaces and parentheses, so the fields
 * start after the last `)`.
 */
export function procStatFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
