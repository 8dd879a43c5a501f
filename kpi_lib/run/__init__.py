"""Layer 5, run: parameters, notebook kernels, rendering (nbconvert, WeasyPrint), the warm
renderer, batch runs, the kpis export. Imports every layer below and the base."""
