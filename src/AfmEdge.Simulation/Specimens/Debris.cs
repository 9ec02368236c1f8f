namespace AfmEdge.Simulation.Specimens;

/// <summary>A Gaussian particle of dirt on the substrate (or on a chromosome), cut off at 3σ.</summary>
internal readonly struct Debris
{
    private readonly double _x;
    private readonly double _y;
    private readonly double _inverseTwoSigma2;
    private readonly double _cutoff2;
    private readonly double _height;

    public Debris(double x, double y, double sigma, double height)
    {
        _x = x;
        _y = y;
        _inverseTwoSigma2 = 1.0 / (2.0 * sigma * sigma);
        _cutoff2 = 9.0 * sigma * sigma;
        _height = height;
    }

    public double Evaluate(double x, double y)
    {
        var dx = x - _x;
        var dy = y - _y;
        var r2 = (dx * dx) + (dy * dy);
        return r2 >= _cutoff2 ? 0 : _height * Math.Exp(-r2 * _inverseTwoSigma2);
    }
}
