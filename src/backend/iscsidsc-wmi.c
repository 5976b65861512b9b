/* SPDX-License-Identifier: Apache-2.0 */
/* MSFT_Volume.Format through the Storage Management provider's WMI
 * namespace (root\Microsoft\Windows\Storage), the documented way to format
 * a volume from a program: COM, IWbemServices::ExecMethod. */
#define COBJMACROS
#include <windows.h>
#include <objbase.h>
#include <oleauto.h>
#include <wbemidl.h>
#include <stdlib.h>
#include <wchar.h>

#include "backend/iscsidsc-prepare.h"

/* WQL string literals take '\' doubled */
static BSTR
query_for(const WCHAR *vol)
{
        static const WCHAR head[] = L"SELECT * FROM MSFT_Volume WHERE Path='";
        size_t n = wcslen(vol), i, o;
        WCHAR *q = malloc((wcslen(head) + 2 * n + 2) * sizeof(WCHAR));
        BSTR b;

        if (q == NULL)
                return NULL;
        wcscpy(q, head);
        o = wcslen(head);
        for (i = 0; i < n; i++) {
                if (vol[i] == L'\'') {
                        free(q);
                        return NULL;
                }
                if (vol[i] == L'\\')
                        q[o++] = L'\\';
                q[o++] = vol[i];
        }
        q[o++] = L'\'';
        q[o] = 0;
        b = SysAllocString(q);
        free(q);
        return b;
}

static HRESULT
put_str(IWbemClassObject *o, const WCHAR *name, const WCHAR *value)
{
        VARIANT v;
        HRESULT hr;

        VariantInit(&v);
        v.vt = VT_BSTR;
        v.bstrVal = SysAllocString(value);
        if (v.bstrVal == NULL)
                return E_OUTOFMEMORY;
        hr = IWbemClassObject_Put(o, name, 0, &v, 0);
        VariantClear(&v);
        return hr;
}

ULONG WINAPI
wmi_volume_format(const WCHAR *vol, const WCHAR *fs, const WCHAR *label)
{
        IWbemLocator *loc = NULL;
        IWbemServices *svc = NULL;
        IEnumWbemClassObject *en = NULL;
        IWbemClassObject *obj = NULL, *cls = NULL, *def = NULL, *in = NULL, *out = NULL;
        BSTR ns = SysAllocString(L"ROOT\\Microsoft\\Windows\\Storage"),
             wql = SysAllocString(L"WQL"), q = query_for(vol),
             cname = SysAllocString(L"MSFT_Volume"), method = SysAllocString(L"Format");
        VARIANT path, rv;
        ULONG got = 0, result;
        HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED), init = hr;

        VariantInit(&path);
        VariantInit(&rv);
        if (ns == NULL || wql == NULL || q == NULL || cname == NULL || method == NULL) {
                hr = E_OUTOFMEMORY;
                goto out;
        }
        /* a thread already in another apartment can still make the calls */
        if (hr == RPC_E_CHANGED_MODE)
                hr = S_OK;
        if (SUCCEEDED(hr))
                hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER,
                                      &IID_IWbemLocator, (void **)&loc);
        if (SUCCEEDED(hr))
                hr = IWbemLocator_ConnectServer(loc, ns, NULL, NULL, NULL, 0, NULL, NULL, &svc);
        if (SUCCEEDED(hr))
                hr = CoSetProxyBlanket((IUnknown *)svc, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, NULL,
                                       RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                                       EOAC_NONE);
        if (SUCCEEDED(hr))
                hr = IWbemServices_ExecQuery(
                    svc, wql, q, WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, NULL, &en);
        if (SUCCEEDED(hr))
                hr = IEnumWbemClassObject_Next(en, (LONG)WBEM_INFINITE, 1, &obj, &got);
        if (SUCCEEDED(hr) && got != 1)
                hr = WBEM_E_NOT_FOUND;
        if (SUCCEEDED(hr))
                hr = IWbemClassObject_Get(obj, L"__PATH", 0, &path, NULL, NULL);
        if (SUCCEEDED(hr) && path.vt != VT_BSTR)
                hr = WBEM_E_NOT_FOUND;
        if (SUCCEEDED(hr))
                hr = IWbemServices_GetObject(svc, cname, 0, NULL, &cls, NULL);
        if (SUCCEEDED(hr))
                hr = IWbemClassObject_GetMethod(cls, L"Format", 0, &def, NULL);
        if (SUCCEEDED(hr))
                hr = IWbemClassObject_SpawnInstance(def, 0, &in);
        if (SUCCEEDED(hr))
                hr = put_str(in, L"FileSystem", fs);
        if (SUCCEEDED(hr))
                hr = put_str(in, L"FileSystemLabel", label);
        if (SUCCEEDED(hr)) {
                VARIANT full;

                VariantInit(&full);
                full.vt = VT_BOOL;
                full.boolVal = VARIANT_FALSE; /* quick: the disk was checked blank */
                hr = IWbemClassObject_Put(in, L"Full", 0, &full, 0);
        }
        if (SUCCEEDED(hr))
                hr = IWbemServices_ExecMethod(svc, path.bstrVal, method, 0, NULL, in, &out, NULL);
        if (SUCCEEDED(hr))
                hr = IWbemClassObject_Get(out, L"ReturnValue", 0, &rv, NULL, NULL);
out:
        if (SUCCEEDED(hr))
                result = rv.vt == VT_I4 || rv.vt == VT_UI4 ? (ULONG)rv.lVal : 2;
        else
                result = (ULONG)hr;
        VariantClear(&path);
        VariantClear(&rv);
        if (out != NULL)
                IWbemClassObject_Release(out);
        if (in != NULL)
                IWbemClassObject_Release(in);
        if (def != NULL)
                IWbemClassObject_Release(def);
        if (cls != NULL)
                IWbemClassObject_Release(cls);
        if (obj != NULL)
                IWbemClassObject_Release(obj);
        if (en != NULL)
                IEnumWbemClassObject_Release(en);
        if (svc != NULL)
                IWbemServices_Release(svc);
        if (loc != NULL)
                IWbemLocator_Release(loc);
        SysFreeString(ns);
        SysFreeString(wql);
        SysFreeString(q);
        SysFreeString(cname);
        SysFreeString(method);
        if (SUCCEEDED(init))
                CoUninitialize();
        return result;
}
