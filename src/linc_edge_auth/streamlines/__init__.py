"""Tractography (.trk, .tck, .trx) -> Neuroglancer skeletons and precomputed annotations.

Modules, one concern each: `reader` (batches in bounded memory), `geometry` (colours, lengths,
volume bounds), `skeletons` and `annotations` (the two output formats), `store` (local folder or
S3 prefix, `info` published last), `convert` (the pipeline), `layers` (viewer state), `synth`
(a synthetic tractogram aligned with a NIfTI volume, for the local stack, tests and benchmarks).
"""
