# viz: the trace model, wta-trace and the viewer (see viz/README.md)
