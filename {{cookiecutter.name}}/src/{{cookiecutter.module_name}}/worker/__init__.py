"""The arq worker, run as ``arq <package>.worker.main.WorkerSettings``."""
