/**
 * Class colours, identical in every view of the panel (the mapping depends only on the label), so two runs
 * side by side read the same way. Tableau 10 for the first ten classes (MNIST, CIFAR-10, STL-10); beyond
 * that, golden-angle hues so CIFAR-100's classes stay distinguishable from their neighbours.
 */

const TABLEAU10: [number, number, number][] = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 72],
  [176, 122, 161],
  [255, 157, 167],
  [156, 117, 95],
  [186, 176, 172],
];

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(255 * f(0)), Math.round(255 * f(8)), Math.round(255 * f(4))];
}

export function classColor(label: number): [number, number, number] {
  if (label < 0 || !Number.isInteger(label)) return [128, 128, 128];
  if (label < TABLEAU10.length) return TABLEAU10[label];
  const i = label - TABLEAU10.length;
  return hslToRgb((i * 137.508 + 15) % 360, 0.55 + 0.2 * ((i % 3) / 2), 0.45 + 0.15 * (((i >> 1) % 3) / 2));
}

export function classCss(label: number): string {
  const [r, g, b] = classColor(label);
  return `rgb(${r}, ${g}, ${b})`;
}
