"""Layer 5, run: parameters, notebook kernels, rendering (nbconvert, a warm Chromium or
WeasyPrint), the warm renderer, batch runs, the kpis export. Imports every layer below and
the base."""
