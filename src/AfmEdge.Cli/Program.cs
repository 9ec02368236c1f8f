using AfmEdge.Cli;

return await AfmEdgeCli.InvokeAsync(args, Console.Out, Console.Error, CancellationToken.None);
