"""``python -m kpi_lib.kernel``: install the notebooks' Jupyter kernelspec (entry point;
the kernelspec is :mod:`kpi_lib.run.kernelspec`)."""

from kpi_lib.run.kernelspec import KERNEL_NAME, install

if __name__ == "__main__":
    print(f"kernel {KERNEL_NAME!r} installed in {install()}")
