"""`reglab geometry`: JSON contract, closed forms, and one-line errors with exit code 2."""

import json
import math

import numpy as np
import pytest

from reglab.cli import main


def run(capsys, *args):
    code = main(["geometry", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_l2_with_identity_hessian_is_the_radial_projection(capsys):
    # f(w) = ||w - w*||²: the closest point of the circle is R w* / ||w*||, and -∇f = λ ∇||w||²
    # gives 2 (w* - w) = 2 λ w, so λ = ||w*|| / R - 1.
    result = run_json(capsys, "--center", "3,4", "--hessian", "1,0,1", "--p", "2", "--R", "2")
    np.testing.assert_allclose(result["w"], [1.2, 1.6], rtol=1e-12)
    assert result["lam"] == pytest.approx(5 / 2 - 1, rel=1e-12)
    assert result["active"] is True and result["sparse"] is False
    assert result["level"] == pytest.approx((3 - 1.2) ** 2 + (4 - 1.6) ** 2, rel=1e-12)
    assert len(result["local_minima"]) == 1 and result["local_minima"][0]["is_global"]


def test_l1_with_identity_hessian_is_soft_thresholding(capsys):
    # With H = I the penalized problem is separable: w = S(w*, λ/2); at λ = 2, (2, 0.5) -> (1, 0).
    result = run_json(capsys, "--center", "2,0.5", "--hessian", "1,0,1", "--p", "1", "--lam", "2")
    np.testing.assert_allclose(result["w"], [1.0, 0.0], atol=1e-14)
    assert result["sparse"] is True and result["zero_coordinates"] == [1]
    assert result["R"] == pytest.approx(1.0, rel=1e-12)


def test_inactive_when_the_minimum_is_inside_the_ball(capsys):
    result = run_json(capsys, "--center", "0.2,0.3", "--hessian", "2,0.5,1", "--p", "1",
                      "--R", "1")
    assert result["active"] is False and result["lam"] == 0
    np.testing.assert_allclose(result["w"], [0.2, 0.3])


def test_p_below_one_lists_every_local_minimum_with_the_global_first(capsys):
    # Both cusps are local minima: at (0, 1) the only feasible direction is down the w2 axis,
    # along which f = (w1 - 1.2)² + (w2 - 1.05)² increases; (1, 0) is the global one.
    result = run_json(capsys, "--center", "1.2,1.05", "--hessian", "1,0,1", "--p", "0.5",
                      "--R", "1")
    minima = result["local_minima"]
    assert len(minima) == 2
    np.testing.assert_array_equal(minima[0]["w"], [1.0, 0.0])
    np.testing.assert_array_equal(minima[1]["w"], [0.0, 1.0])
    assert [m["is_global"] for m in minima].count(True) == 1 and minima[0]["is_global"]
    losses = [m["loss"] for m in minima]
    assert losses == sorted(losses)
    np.testing.assert_allclose(result["w"], minima[0]["w"])
    for m in minima:  # each lies on the boundary of the ball ||w||_0.5 = 1
        radius = (math.sqrt(abs(m["w"][0])) + math.sqrt(abs(m["w"][1]))) ** 2
        assert radius == pytest.approx(1.0, rel=1e-9)


def test_elastic_net_ball_and_the_readable_output(capsys):
    code, out, err = run(capsys, "--center", "2,1", "--hessian", "1,0.3,2", "--l1-ratio", "0.5",
                         "--R", "1")
    assert code == 0 and err == ""
    assert "λ =" in out and "KKT residual" in out and "ElasticNet" in out


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--center", "2,1", "--hessian", "1,2,1", "--R", "1"], "--hessian"),
        (["--center", "2,1", "--hessian", "1,0,-1", "--R", "1"], "--hessian"),
        (["--center", "2,1", "--hessian", "1,0", "--R", "1"], "--hessian"),
        (["--center", "2,x", "--hessian", "1,0,1", "--R", "1"], "--center"),
        (["--center", "2,nan", "--hessian", "1,0,1", "--R", "1"], "--center"),
        (["--center", "2,1", "--hessian", "1,0,1", "--p", "0", "--R", "1"], "--p"),
        (["--center", "2,1", "--hessian", "1,0,1", "--p", "-2", "--R", "1"], "--p"),
        (["--center", "2,1", "--hessian", "1,0,1", "--p", "abc", "--R", "1"], "--p"),
        (["--center", "2,1", "--hessian", "1,0,1", "--R", "-1"], "--R"),
        (["--center", "2,1", "--hessian", "1,0,1", "--lam", "-1"], "--lam"),
        (["--center", "2,1", "--hessian", "1,0,1", "--R", "1", "--lam", "1"], "--R/--lam"),
        (["--center", "2,1", "--hessian", "1,0,1"], "--R/--lam"),
        (["--center", "2,1", "--hessian", "1,0,1", "--l1-ratio", "2", "--R", "1"],
         "--l1-ratio"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(capsys, args, names):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and names in err
