using AfmEdge.Core;

namespace AfmEdge.Core.Tests;

public sealed class QuantityTests
{
    [Theory]
    [InlineData(20e-6, "m", "20 µm")]
    [InlineData(1.5e-9, "A", "1.5 nA")]
    [InlineData(0.25, "V", "250 mV")]
    [InlineData(3e-12, "N", "3 pN")]
    [InlineData(0, "m", "0 m")]
    [InlineData(-120e-9, "m", "-120 nm")]
    [InlineData(45, "deg", "45 deg")]
    public void Format_BaseUnitValue_UsesEngineeringPrefix(double value, string unit, string expected) =>
        Assert.Equal(expected, new Quantity(value, new PhysicalUnit(unit)).ToString());

    [Theory]
    [InlineData("20 µm", 20e-6, "m")]
    [InlineData("20um", 20e-6, "m")]
    [InlineData("1.5e-9 A", 1.5e-9, "A")]
    [InlineData("300 nm", 300e-9, "m")]
    [InlineData("2 m", 2, "m")]
    [InlineData("0.3", 0.3, "")]
    [InlineData("5 mV", 5e-3, "V")]
    public void Parse_PrefixedText_ReturnsBaseUnitValue(string text, double value, string unit)
    {
        var q = Quantity.Parse(text);
        Assert.Equal(value, q.Value, value * 1e-12 + 1e-30);
        Assert.Equal(unit, q.Unit.Symbol);
    }

    [Theory]
    [InlineData("")]
    [InlineData("µm")]
    [InlineData("abc")]
    public void TryParse_NoNumber_ReportsError(string text)
    {
        Assert.False(Quantity.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void FormatParse_RoundTrip_PreservesValueToShownDigits()
    {
        var original = new Quantity(123.4e-9, PhysicalUnit.Metre);
        var back = Quantity.Parse(original.Format(4));
        Assert.Equal(original.Value, back.Value, 1e-15);
    }

    [Fact]
    public void PhysicalUnit_WithWhitespace_IsRejected() =>
        Assert.Throws<ArgumentException>(() => new PhysicalUnit("n m"));
}
