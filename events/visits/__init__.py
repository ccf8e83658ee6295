"""Exchange visits: one facility's team learning from another's, and the learning
report that follows. One module per concern: ``states`` (the lifecycle table),
``permissions`` (who is who), ``services`` (every write), ``notices`` (telling the
other side) and ``selectors`` (reads), beside the models, forms, views, URLs, Wagtail
hooks and demo data."""
