import TensorKernels
import CZlib
// Layers, models, optimisers and data: see the files of this target.
