"""Syntetos-Boylan classification on hand-computed series."""

from __future__ import annotations

import pandas as pd

from opensop.demand.classify import classify


def _frame(values: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(k, i, v) for k, ys in values.items() for i, v in enumerate(ys)], columns=["unique_id", "ds", "y"]
    )


def test_four_classes_and_inactive() -> None:
    out = classify(
        _frame(
            {
                # 4 periods, 4 demands: ADI = 1; sizes 10,10,10,10: CV2 = 0 -> smooth
                "smooth": [10, 10, 10, 10],
                # ADI = 1; sizes 1, 9: mean 5, std 4, CV2 = 16/25 = 0.64 > 0.49 -> erratic
                "erratic": [1, 9],
                # 6 periods, 2 demands: ADI = 3; sizes 5, 5: CV2 = 0 -> intermittent
                "intermittent": [5, 0, 0, 5, 0, 0],
                # ADI = 3; sizes 1, 9: CV2 = 0.64 -> lumpy
                "lumpy": [1, 0, 0, 9, 0, 0],
                "inactive": [0, 0, 0],
            }
        )
    ).set_index("unique_id")
    assert out["demand_class"].to_dict() == {
        "erratic": "erratic",
        "inactive": "inactive",
        "intermittent": "intermittent",
        "lumpy": "lumpy",
        "smooth": "smooth",
    }
    assert out.loc["intermittent", "adi"] == 3.0
    assert abs(out.loc["erratic", "cv2"] - 0.64) < 1e-12


def test_cutoffs_are_inclusive_on_the_regular_side() -> None:
    # 33 periods with 25 demands: ADI = 1.32 exactly -> still regular (smooth)
    ys = [4.0] * 25 + [0.0] * 8
    out = classify(_frame({"edge": ys}))
    assert out.loc[0, "adi"] == 33 / 25
    assert out.loc[0, "demand_class"] == "smooth"
