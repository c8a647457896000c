import type { ParamSchema } from './schema';

/** Props every param widget takes: the param's schema, its current value and a setter. */
export interface WidgetProps {
  name: string;
  schema: ParamSchema;
  value: unknown;
  onChange: (value: unknown) => void;
}
