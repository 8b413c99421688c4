"""Code generators: ``hls`` (Vitis HLS C++); MLIR-AIE comes later. ``emitters`` is the registry
behind ``prog.emit(kind)``."""
