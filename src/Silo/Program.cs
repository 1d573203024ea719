using DocTable.Orleans;

// A DocTable silo (see SiloApp for the recipe). Options:
//   --cluster redis://HOST:PORT[/ID] --group G --data DIR [--silo-port P --gateway-port P --advertise IP --dashboard HOST:PORT --http HOST:PORT --http-token T --http-max-body BYTES]
// or the same settings in the environment: DOCTABLE__CLUSTER, DOCTABLE__GROUP, DOCTABLE__DATA, ...
try
{
    await SiloApp.RunAsync(args);
    return 0;
}
catch (ArgumentException e)
{
    // A setting that does not hold (e.g. --http on a public address without --http-token): say which, start nothing.
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
