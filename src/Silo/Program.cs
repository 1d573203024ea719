using DocTable.Orleans;

// A DocTable silo (see SiloApp for the recipe). Options:
//   --cluster redis://HOST:PORT[/ID] --group G --data DIR [--silo-port P --gateway-port P --advertise IP --dashboard HOST:PORT --http HOST:PORT]
// or the same settings in the environment: DOCTABLE__CLUSTER, DOCTABLE__GROUP, DOCTABLE__DATA, ...
await SiloApp.RunAsync(args);
