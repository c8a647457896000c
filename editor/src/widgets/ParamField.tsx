import { memo, useCallback } from 'react';
import { setParam, toggleAppInput } from '../graph/ops';
import { labelOf, widgetOf, type ParamSchema } from './schema';
import { ImageSourceField } from './ImageSourceField';
import { NumberField } from './NumberField';
import { SelectField } from './SelectField';
import { TextField } from './TextField';
import { SeedField } from './SeedField';
import { ModelField } from './ModelField';
import { ToggleField } from './ToggleField';
import { LorasField } from './LorasField';
import { PresetField } from './PresetField';

interface Props {
  nodeId: string;
  name: string;
  schema: ParamSchema;
  value: unknown;
  invalid?: string;
  /** A pre-run check on this param (queue/preflight.ts): painted amber, not red. */
  warn?: string;
  /** The widget to use (widgets/schema.ts widgetFor); default: from the schema's hint. */
  widget?: string;
  /** Shows the "show in app" pin (issue 20) beside the control; `exposed` = it is pressed. */
  pinnable?: boolean;
  exposed?: boolean;
}

/** One labelled param row; picks the widget from the schema's `widget` hint. */
export const ParamField = memo(function ParamField({
  nodeId,
  name,
  schema,
  value,
  invalid,
  warn,
  widget: chosen,
  pinnable,
  exposed,
}: Props) {
  const onChange = useCallback((v: unknown) => setParam(nodeId, name, v), [nodeId, name]);
  // A param absent from the document runs with its default (the runtime parses with defaults): show that.
  const props = { name, schema, value: value === undefined ? schema.default : value, onChange };
  const widget = chosen ?? widgetOf(schema);
  let control;
  switch (widget) {
    case 'textarea':
      control = <TextField {...props} multiline />;
      break;
    case 'slider':
      control = <NumberField {...props} slider />;
      break;
    case 'number':
      control = <NumberField {...props} />;
      break;
    case 'select':
      control = <SelectField {...props} />;
      break;
    case 'seed':
      control = <SeedField {...props} />;
      break;
    case 'model':
      control = <ModelField {...props} />;
      break;
    case 'preset':
      control = <PresetField {...props} />;
      break;
    case 'toggle':
      control = <ToggleField {...props} />;
      break;
    case 'loras':
      control = <LorasField {...props} />;
      break;
    case 'image-source':
      control = <ImageSourceField {...props} nodeId={nodeId} />;
      break;
    default:
      control = <TextField {...props} />;
  }
  return (
    <div
      className={`param pw-${widget}${invalid ? ' invalid' : warn ? ' warn' : ''}`}
      data-param={name}
      title={invalid ?? warn ?? schema.description}
    >
      <span className="param-label">{labelOf(name, schema)}</span>
      {pinnable ? (
        <div className="param-row">
          {control}
          <button
            type="button"
            className={`pin nodrag${exposed ? ' on' : ''}`}
            aria-pressed={!!exposed}
            aria-label={`Show ${labelOf(name, schema)} in app`}
            title={exposed ? 'Shown in the App form (click to hide)' : 'Show in the App form'}
            data-testid={`pin-${name}`}
            onClick={() => toggleAppInput(nodeId, name)}
          >
            {exposed ? '◆' : '◇'}
          </button>
        </div>
      ) : (
        control
      )}
    </div>
  );
});
