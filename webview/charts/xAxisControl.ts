/** The step / epoch / wall-time selector; the loss and NPC tabs each show one, bound to the same UI state. */
import { dropdown, type Control } from '../common/controls';
import { X_AXIS_LABELS, X_AXIS_MODES, type XAxisMode } from './data/xAxis';

export function xAxisControl(value: XAxisMode, onChange: (mode: XAxisMode) => void): Control<XAxisMode> {
  return dropdown({
    ariaLabel: 'x-axis',
    options: X_AXIS_MODES.map((m) => ({ value: m, label: `x: ${X_AXIS_LABELS[m]}` })),
    value,
    onChange,
  });
}
