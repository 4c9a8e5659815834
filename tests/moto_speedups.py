"""The moto speed-ups live with the local stack, which uses them too (``pressroom_stack.moto_speedups``)."""

from pressroom_stack.moto_speedups import fast_moto_dynamodb

__all__ = ["fast_moto_dynamodb"]
