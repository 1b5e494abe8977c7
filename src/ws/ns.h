/* Namespaces, well-known URIs and content types of the ES web-service binding (docs/ws.md). */
#ifndef M2M_WS_NS_H
#define M2M_WS_NS_H

#define M2M_WS_NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define M2M_WS_NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define M2M_WS_NS_WSA "http://www.w3.org/2005/08/addressing"
/* SGP.02 v3 message namespace (facts-2 8a). */
#define M2M_WS_NS_RPS "http://namespaces.gsma.org/esim-messaging/3"
#define M2M_WS_NS_XMLDSIG "http://www.w3.org/2000/09/xmldsig#"
#define M2M_WS_NS_XML "http://www.w3.org/XML/1998/namespace"

/* WS-Addressing 1.0 core section 2.1 and 3.2. */
#define M2M_WS_WSA_ANONYMOUS "http://www.w3.org/2005/08/addressing/anonymous"
#define M2M_WS_WSA_NONE "http://www.w3.org/2005/08/addressing/none"
#define M2M_WS_WSA_REPLY "http://www.w3.org/2005/08/addressing/reply"
/* Actions of fault messages (WS-Addressing SOAP binding 6 and 6.4). */
#define M2M_WS_WSA_FAULT_ACTION "http://www.w3.org/2005/08/addressing/fault"
#define M2M_WS_WSA_SOAP_FAULT_ACTION "http://www.w3.org/2005/08/addressing/soap/fault"
/* SOAP 1.2 part 1 section 2.2: header blocks for this role are never processed. */
#define M2M_WS_SOAP_ROLE_NONE "http://www.w3.org/2003/05/soap-envelope/role/none"

#define M2M_WS_CT_SOAP "application/soap+xml"
#define M2M_WS_CT_JSON "application/json"

#endif
