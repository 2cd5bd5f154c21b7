"""The arq worker: ``arq {{ cookiecutter.module_name }}.worker.main.WorkerSettings``."""
