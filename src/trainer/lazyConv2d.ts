/**
 * A Conv2D layer whose input gradient is only computed when something needs it.
 *
 * tf.layers' Conv2D always goes through tf.fused.conv2d, whose custom gradient computes the input gradient
 * and the filter gradient together. For an encoder's first layer the input is the images, which need no
 * gradient: a whole transposed convolution per view and step thrown away. Without bias or activation the
 * fused op is nothing but tf.conv2d, whose registered gradient hands out each input's gradient lazily, and
 * the backward pass only asks for the ones on a path to a variable. Every other configuration is the stock
 * layer's.
 *
 * Registered under the stock class name, so saved models keep the standard Layers format and load here as
 * this class (the same trick as batchNorm.ts).
 */
import * as tf from '@tensorflow/tfjs';

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Record<string, unknown>;

/** The members of tfjs-layers' Conv2D this file relies on (they are not in the public typings). */
interface StockConv2D extends tf.layers.Layer {
  rank: number;
  useBias: boolean;
  activation: { getClassName(): string };
  strides: [number, number];
  padding: 'same' | 'valid';
  dataFormat: 'channelsLast' | 'channelsFirst';
  dilationRate: number | [number, number];
  kernel: { read(): tf.Tensor };
}

// tfjs-layers does not export the class itself; an instance's constructor is it.
const StockConv2DClass = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: Conv2DArgs) => StockConv2D;

export class LazyGradConv2D extends StockConv2DClass {
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const plain = this.rank === 2 && !this.useBias && this.activation.getClassName() === 'linear' && this.dataFormat === 'channelsLast';
    if (!plain) return super.call(inputs, kwargs);
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const dilations = typeof this.dilationRate === 'number' ? this.dilationRate : (this.dilationRate);
    return tf.tidy(() => tf.conv2d(x, this.kernel.read() as tf.Tensor4D, this.strides, this.padding, 'NHWC', dilations));
  }
}
tf.serialization.registerClass(LazyGradConv2D as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);

export function conv2d(args: Conv2DArgs): tf.layers.Layer {
  return new LazyGradConv2D(args);
}
