namespace AfmEdge.Control.Tests;

public sealed class ZPidTests
{
    [Fact]
    public void Update_SetpointStep_NoDerivativeKick()
    {
        var pid = new ZPid(new PidGains(0, 0.0001, 1.0), setpoint: 0.5, outputMin: -10, outputMax: 10);
        pid.Reset(0);
        pid.Update(0.5, 1e-3);
        pid.Setpoint = 2.0;
        double after = pid.Update(0.5, 1e-3);

        // Derivative acts on the measurement, which did not move: only the tiny integral step shows.
        Assert.InRange(after, 0, 1e-6);
    }

    [Fact]
    public void Update_MeasurementJump_DerivativeOpposesIt()
    {
        var pid = new ZPid(new PidGains(0, 0, 0.001), 0.5, -10, 10);
        pid.Reset(0);
        pid.Update(0.5, 1e-3);
        double u = pid.Update(0.6, 1e-3);
        Assert.Equal(-0.1, u, 9);
    }

    [Fact]
    public void Update_LongSaturation_NoWindupAndImmediateRecovery()
    {
        var pid = new ZPid(new PidGains(0.1, 1000, 0), 0.5, -10, 10);
        pid.Reset(0);
        for (int i = 0; i < 10_000; i++)
        {
            pid.Update(0.0, 1e-3); // contact lost: the error pushes the output up forever
        }

        Assert.Equal(10, pid.Output);
        Assert.True(pid.Saturated);

        // Contact regained: one step with the opposite error leaves the limit.
        double u = pid.Update(1.0, 1e-3);
        Assert.True(u < 10);
        Assert.False(pid.Saturated);
    }

    [Fact]
    public void Update_HugeGain_OutputClamped()
    {
        var pid = new ZPid(new PidGains(1000, 0, 0), 0.5, -3, 4);
        pid.Reset(0);
        Assert.Equal(4, pid.Update(-5, 1e-3));
        Assert.Equal(-3, pid.Update(5, 1e-3));
    }

    [Fact]
    public void Reset_Output_IsBumpless()
    {
        var pid = new ZPid(new PidGains(0.1, 100, 0), 0.5, -10, 10);
        pid.Reset(3.25);
        Assert.Equal(3.25, pid.Update(0.5, 1e-3), 12);
    }
}
