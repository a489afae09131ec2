"""The epoch shuffle and generator against values the Swift code produces.

The expected values were printed by a program compiled from Sources/Training/Random.swift and
the `EpochOrder` / `nextUnbiasedIndex` code of Sources/Training/Data/Batching.swift (swiftc -O),
calling `DeterministicRandom(seed:stream:).next()`, `.nextNormal()` and
`EpochOrder.shuffled(count:seed:epoch:)` with the arguments below.
"""

import unittest

from support import schedc_torch as st


class ShuffleTests(unittest.TestCase):
    def test_generator_words(self):
        r = st.DeterministicRandom(1, 0)
        self.assertEqual([r.next() for _ in range(4)],
                         [12966619160104079557, 9600361134598540522, 10590380919521690900, 7218738570589545383])
        r = st.DeterministicRandom(42, 7)
        self.assertEqual([r.next() for _ in range(3)], [2469555718114335044, 4020002145566205576, 11390448302126445686])

    def test_normals_round_to_the_same_floats(self):
        r = st.DeterministicRandom(1, 1)
        want = [-0.18255633, -1.1615393, 1.2409474, 1.7119725]  # Swift prints Float's shortest form
        self.assertEqual([st.to_float32(w) for w in want], [r.normal() for _ in range(4)])

    def test_small_shuffles(self):
        self.assertEqual(st.epoch_order(10, 1, 0), [2, 8, 0, 3, 4, 6, 1, 9, 5, 7])
        self.assertEqual(st.epoch_order(10, 1, 1), [2, 0, 8, 9, 3, 5, 6, 1, 7, 4])
        self.assertEqual(st.epoch_order(10, 7, 3), [7, 3, 2, 8, 4, 0, 9, 1, 5, 6])

    def test_large_shuffles(self):
        order = st.epoch_order(10000, 1, 0)
        self.assertEqual(order[:12], [7797, 9994, 2084, 2366, 4758, 7520, 4510, 4315, 6824, 6420, 7675, 2489])
        self.assertEqual(order[-3:], [8879, 6332, 7451])
        self.assertEqual(sorted(order), list(range(10000)))
        self.assertEqual(st.epoch_order(60000, 123456789, 17)[:8], [10376, 11149, 10505, 13936, 37294, 19403, 46637, 58340])


if __name__ == "__main__":
    unittest.main()
