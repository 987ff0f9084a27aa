"""Code units for model analysis: functions, methods and classes with their imports."""
