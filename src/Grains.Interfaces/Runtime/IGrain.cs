namespace DocTable.Orleans;

/// <summary>Marker for every grain interface. A grain is addressed by its interface and a key.</summary>
public interface IGrain;

/// <summary>A grain addressed by a string key, as in Orleans' <c>IGrainWithStringKey</c>.</summary>
public interface IGrainWithStringKey : IGrain;
