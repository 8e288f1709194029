from .demo import prepare_demo
