/** "Did you mean" hints for unknown config fields: a near spelling at the same level, or the same leaf in a group. */
import { allowedKeys, isGroup } from './configFields';

/** Edit distance, to recognise typos such as "temprature". */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The tail of an unknown-field message: `; did you mean "optimizer.lr"?` or the fields allowed at that level. */
export function unknownFieldHint(key: string, group: string | undefined): string {
  const prefix = group === undefined ? '' : `${group}.`;
  const here = allowedKeys(group);
  // Keys longer than any field name cannot be a typo of one; skipping them keeps a 10 MB key cheap.
  if (key.length <= 40) {
    const lower = key.toLowerCase();
    const near = here
      .map((k) => ({ k, d: editDistance(k.toLowerCase(), lower) }))
      .filter(({ k, d }) => d <= Math.min(2, Math.floor(k.length / 3)))
      .sort((a, b) => a.d - b.d)[0];
    if (near) return `; did you mean "${prefix}${near.k}"?`;
    for (const g of allowedKeys().filter(isGroup)) {
      const leaf = allowedKeys(g).find((l) => l.toLowerCase() === lower);
      if (leaf) return `; did you mean "${g}.${leaf}"?`;
    }
  }
  return `; allowed fields here: ${here.join(', ')}`;
}
