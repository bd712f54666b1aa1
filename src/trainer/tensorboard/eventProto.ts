/**
 * The subset of TensorFlow's `event.proto` / `summary.proto` that a scalar-and-histogram event file needs,
 * encoded with protobufjs. Field numbers are TensorFlow's (tensorflow/core/util/event.proto,
 * tensorflow/core/framework/summary.proto); fields we never write are left out, which protobuf allows.
 */
import { Root, type Type } from 'protobufjs/light';

const root = Root.fromJSON({
  nested: {
    tensorboard: {
      nested: {
        HistogramProto: {
          fields: {
            min: { type: 'double', id: 1 },
            max: { type: 'double', id: 2 },
            num: { type: 'double', id: 3 },
            sum: { type: 'double', id: 4 },
            sumSquares: { type: 'double', id: 5 },
            // proto3 packs repeated scalars; say so explicitly so the encoding does not depend on a default.
            bucketLimit: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
            bucket: { rule: 'repeated', type: 'double', id: 7, options: { packed: true } },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              fields: {
                tag: { type: 'string', id: 1 },
                simpleValue: { type: 'float', id: 2 },
                histo: { type: 'HistogramProto', id: 5 },
              },
            },
          },
        },
        Event: {
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
      },
    },
  },
});

const EventType: Type = root.lookupType('tensorboard.Event');

export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Right edge of each bucket (TensorBoard's convention: bucket i covers (limit[i-1], limit[i]]). */
  bucketLimit: number[];
  bucket: number[];
}

export type SummaryValue = { tag: string; simpleValue: number } | { tag: string; histo: Histogram };

export interface TbEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: { value: SummaryValue[] };
}

/** The serialized `tensorflow.Event` message. */
export function encodeEvent(event: TbEvent): Uint8Array {
  return EventType.encode(EventType.fromObject(event)).finish();
}

/** The first record of every event file: TensorBoard reads the format version from it. */
export const FILE_VERSION = 'brain.Event:2';
