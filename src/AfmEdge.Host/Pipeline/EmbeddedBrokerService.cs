using AfmEdge.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Starts the embedded broker (when the config asks for one) before the pipeline and stops it after:
/// hosted services stop in reverse order of registration, and this one is registered first.
/// </summary>
public sealed class EmbeddedBrokerService(MqttOptions options, IServiceProvider services) : IHostedService
{
    private EmbeddedBroker? Broker => options.Broker == MqttBrokerMode.Embedded ? services.GetRequiredService<EmbeddedBroker>() : null;

    public Task StartAsync(CancellationToken cancellationToken) => Broker?.StartAsync() ?? Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Broker?.StopAsync() ?? Task.CompletedTask;
}
