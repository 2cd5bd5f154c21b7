"""Application logic, shared by the API's handlers and the worker's tasks."""
