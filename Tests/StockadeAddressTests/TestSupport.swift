@testable import StockadeAddress

func name(_ text: String) -> DNSName { try! DNSName(text: text) }
