using System.Numerics;

namespace AfmEdge.Inference.Training;

/// <summary>
/// Adam (Kingma and Ba 2015) with bias correction, updating parameter arrays in place. One moment pair
/// per parameter array, allocated once.
/// </summary>
public sealed class AdamOptimizer
{
    private readonly float[][] _parameters;
    private readonly float[][] _first;
    private readonly float[][] _second;

    public AdamOptimizer(IReadOnlyList<float[]> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(beta1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta1, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(beta2);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta2, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        _parameters = [.. parameters];
        _first = [.. parameters.Select(p => new float[p.Length])];
        _second = [.. parameters.Select(p => new float[p.Length])];
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <summary>Updates taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>One update with <paramref name="gradients"/> (one array per parameter array, same shapes).</summary>
    public void Step(IReadOnlyList<float[]> gradients, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count != _parameters.Length)
        {
            throw new ArgumentException($"Expected {_parameters.Length} gradient arrays, not {gradients.Count}.", nameof(gradients));
        }

        Steps++;
        // Bias correction folded into the step size and epsilon, as in the paper's efficient form.
        var correction1 = 1 - Math.Pow(Beta1, Steps);
        var correction2 = 1 - Math.Pow(Beta2, Steps);
        var stepSize = new Vector<float>((float)(learningRate * Math.Sqrt(correction2) / correction1));
        var epsilon = new Vector<float>((float)(Epsilon * Math.Sqrt(correction2)));
        var b1 = new Vector<float>((float)Beta1);
        var b2 = new Vector<float>((float)Beta2);
        var c1 = new Vector<float>((float)(1 - Beta1));
        var c2 = new Vector<float>((float)(1 - Beta2));
        for (var a = 0; a < _parameters.Length; a++)
        {
            var p = _parameters[a];
            var g = gradients[a];
            if (g.Length != p.Length)
            {
                throw new ArgumentException($"Gradient array {a} has {g.Length} values for {p.Length} parameters.", nameof(gradients));
            }

            var m = _first[a];
            var v = _second[a];
            var i = 0;
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g, i);
                var mi = (b1 * new Vector<float>(m, i)) + (c1 * gi);
                var vi = (b2 * new Vector<float>(v, i)) + (c2 * gi * gi);
                mi.CopyTo(m, i);
                vi.CopyTo(v, i);
                (new Vector<float>(p, i) - (stepSize * mi / (Vector.SquareRoot(vi) + epsilon))).CopyTo(p, i);
            }

            for (; i < p.Length; i++)
            {
                m[i] = (b1[0] * m[i]) + (c1[0] * g[i]);
                v[i] = (b2[0] * v[i]) + (c2[0] * g[i] * g[i]);
                p[i] -= stepSize[0] * m[i] / (MathF.Sqrt(v[i]) + epsilon[0]);
            }
        }
    }
}
