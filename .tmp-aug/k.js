const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const path=require('path');
wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))+path.sep);
(async()=>{
await tf.setBackend('wasm'); await tf.ready();
const names=['CropAndResize','Transform','Reverse','Select','RandomUniform','Conv2DBackpropFilter','Conv2DBackpropInput','Conv2D','FusedConv2D','FusedBatchNorm','Mean','Max','Min','Mul','Add','Sub','ClipByValue','Tile','GatherV2','Transpose','Reshape','Sum','Minimum','Maximum','Relu','FusedMatMul','BatchMatMul','Cast','Pack','Concat','Slice','StridedSlice','Multinomial','RandomNormal','Sqrt','Rsqrt','Square','SquaredDifference','Pad','RealDiv','Div','Less','Greater','Prod','Sign','ReluGrad','Floor','ExpandDims','BroadcastTo','Fill','Exp','Log','Neg','Abs','OnesLike','ZerosLike','Range','Round','Mod','FloorDiv','Sin','Cos','LogicalAnd','Equal','Step','Sigmoid','Identity','Atan2','Softmax','LogSoftmax','Rsqrt','UnsortedSegmentSum','Where','Stack'];
for (const b of ['cpu','wasm']) console.log(b, names.filter(n=>!tf.getKernel(n,b)).join(' '));
})();
