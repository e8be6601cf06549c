"""Generate samples/housing.csv: 500 homes, 5 features and a price, by a documented formula.

    area_m2     ~ 40 + Gamma(4, 20)                  (skewed, 40–300 m²)
    rooms       = round(area_m2 / 25 + N(0, 0.8)), at least 1   (correlated with area)
    age_years   ~ Uniform(0, 80)
    distance_km ~ Exponential(8)                      (to the city centre)
    floor       ~ Uniform{0, …, 12}
    price       = 50000 + 2500·area_m2 + 8000·rooms − 900·age_years − 4000·distance_km
                  + 1500·floor + N(0, 20000)

Run: python samples/make_housing.py  (seed 2026: the file is reproducible)
"""

import numpy as np

rng = np.random.default_rng(2026)
n = 500
area = 40 + rng.gamma(4.0, 20.0, n)
rooms = np.maximum(1, np.round(area / 25 + rng.normal(0, 0.8, n)))
age = rng.uniform(0, 80, n)
distance = rng.exponential(8.0, n)
floor = rng.integers(0, 13, n).astype(float)
price = 50000 + 2500 * area + 8000 * rooms - 900 * age - 4000 * distance + 1500 * floor + rng.normal(0, 20000, n)
with open(__file__.replace("make_housing.py", "housing.csv"), "w") as f:
    f.write("# 500 synthetic homes: see make_housing.py for the formula\n")
    f.write("area_m2,rooms,age_years,distance_km,floor,price\n")
    for row in zip(area, rooms, age, distance, floor, price):
        f.write(",".join(f"{v:.2f}" if i not in (1, 4) else f"{v:.0f}" for i, v in enumerate(row)) + "\n")
