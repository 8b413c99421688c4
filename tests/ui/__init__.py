"""Browser tests: JupyterLab and the workbench front end in headless Chromium."""
