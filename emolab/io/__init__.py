"""Reading and writing what recordings are made of: names, audio, body movement."""
