import TensorKernels
import CZlib
// Layers, models, optimisers and data land with issue 4.
