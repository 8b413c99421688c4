"""Code generators: ``hls`` (Vitis HLS C++); MLIR-AIE comes later."""
