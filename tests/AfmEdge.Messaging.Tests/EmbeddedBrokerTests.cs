using AfmEdge.Tests.Shared;
using System.Net;
using System.Net.Sockets;
using AfmEdge.Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;

namespace AfmEdge.Messaging.Tests;

public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task Connect_Mqtt5WithoutClientId_GetsAssignedId()
    {
        var port = LoopbackPort.Reserve();
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, port, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        await broker.StartAsync();
        using var client = new MqttClientFactory().CreateMqttClient();

        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(string.Empty)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build(), TestContext.Current.CancellationToken);

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.StartsWith("auto-", result.AssignedClientIdentifier, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PortTaken_ThrowsNamingPortAndFix()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, port, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(broker.StartAsync);

        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("AfmEdge:Mqtt:Port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_AfterStart_FreesThePort()
    {
        var port = LoopbackPort.Reserve();
        var broker = new EmbeddedBroker(IPAddress.Loopback, port, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        await broker.StartAsync();
        await broker.DisposeAsync();
        using var again = new TcpListener(IPAddress.Loopback, port);
        again.Start();
        Assert.True(again.Server.IsBound);
    }
}
